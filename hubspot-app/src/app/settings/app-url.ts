// Written by `npm run hubspot:configure` (tools/hubspot-configure.mjs); edit with it, not by hand.
/** The Leadscore server this extension calls; listed in app-hsmeta.json `permittedUrls.fetch`. */
export const LEADSCORE_BASE_URL = "https://leadscore.example.com";
