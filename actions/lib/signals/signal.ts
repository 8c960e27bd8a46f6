/** A source of alerts that, while firing, says a release is unhealthy. */
export interface AlertSignal {
  readonly name: string;
  /** Names of the alerts firing that opened at or after `since`. Throws when the source is unreachable. */
  firing(since: Date): Promise<string[]>;
}
