// Build shim for @actions/core's lib/oidc-utils.js (see scripts/build-actions.mjs): the OIDC client
// pulls @actions/http-client and undici (~400 KiB) into every action's start-up, for a token only
// core.getIDToken() asks for. Here it loads on that call.
// biome-ignore lint/complexity/noStaticOnlyClass: the shape @actions/core calls, OidcClient.getIDToken(aud).
export class OidcClient {
  static async getIDToken(audience) {
    const { OidcClient: Client } = await import("@actions/core/lib/oidc-utils.js?real");
    return Client.getIDToken(audience);
  }
}
