/** Makes and proves credentials of one kind. */
export interface Rotator {
  readonly kind: string;
  /** The next value. May change the credential's owner (a database role's password). */
  generate(current: string | null): Promise<string>;
  /** Proves the value works; throws a secret-free error when it does not. */
  test(value: string): Promise<void>;
  /**
   * Makes a value useless: the previous one once no consumer needs it, or a new one that was
   * refused. Doing it twice is harmless (a rerun after a kill may).
   */
  revoke(value: string): Promise<void>;
}

/** Something that uses the secret: told the new value, and able to prove it works with it. */
export interface Consumer {
  readonly name: string;
  /** Gives the consumer a value; `previous` stays valid alongside it during the overlap. */
  apply(value: string, previous: string | null): Promise<void>;
  /** Proves the consumer works with what it was given; throws when it does not. */
  verify(): Promise<void>;
  /**
   * Forgets the previous value, keeping only `current`, and proves it still works: what it runs
   * no longer accepts the previous one. Doing it twice is harmless. Absent on consumers that
   * never hold a previous value.
   */
  revoke?(current: string): Promise<void>;
}
