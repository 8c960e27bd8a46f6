/** A host on this machine: emulators and proxies, which may be spoken to as no public API is. */
export function isLoopbackHost(hostname: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(hostname);
}

/** The URL's host is on this machine. */
export function isLoopbackUrl(url: string): boolean {
  return isLoopbackHost(new URL(url).hostname);
}
