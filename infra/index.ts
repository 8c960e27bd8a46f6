// The garde reference program. Environments (Vercel project, secrets, alerts, backups) arrive
// with the "environments as code" issue; until then this is a valid, empty Pulumi program.
export {};
