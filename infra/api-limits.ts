/**
 * Bounds the providers' APIs enforce, checked on the stack config so `garde plan` refuses what
 * `pulumi up` would only discover halfway through an apply.
 */
export const API_LIMITS = {
  /** Cloud SQL backupRetentionSettings.retainedBackups: 1 to 365. */
  cloudSqlRetainedBackups: 365,
  /** Cloud SQL transactionLogRetentionDays (point-in-time recovery window): 1 to 7. */
  cloudSqlLogRetentionDays: 7,
  /** Firestore backup schedules: a daily one keeps at most 7 days, a weekly one 14 weeks. */
  firestoreDailyRetentionDays: 7,
  firestoreWeeklyRetentionDays: 98,
  /** Cloud Storage soft delete keeps deleted objects 7 to 90 days (or is off, 0). */
  softDeleteMinDays: 7,
  softDeleteMaxDays: 90,
} as const;
