// Token oracle: mints Bot Connector tokens with jsonwebtoken (signed by the test issuer's key) and asks two judges
// about each: Microsoft's own validator (botframework-connector ChannelValidation, pointed at the test issuer's OpenID
// metadata) and QaBot's /api/messages. Prints {ok, cases:[{name, expected, microsoft, qabot}], failures}; exit 0 only
// when both judges agree with the expectation on every case.
//   node token-oracle.js <messagesUrl> <openIdMetadataUrl> <private key PEM file> <kid> <appId> <serviceUrl>
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const jwt = require('jsonwebtoken');
const { ChannelValidation, SimpleCredentialProvider } = require('botframework-connector');
const { ActivityTypes, Channels } = require('botframework-schema');

const [messagesUrl, metadataUrl, keyFile, kid, appId, serviceUrl] = process.argv.slice(2);
if (!serviceUrl) { console.error('usage: node token-oracle.js <messagesUrl> <openIdMetadataUrl> <keyPem> <kid> <appId> <serviceUrl>'); process.exit(2); }
const privateKey = fs.readFileSync(keyFile, 'utf8');
const strangerKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
ChannelValidation.OpenIdMetadataEndpoint = metadataUrl;

const now = Math.floor(Date.now() / 1000);
const good = { iss: 'https://api.botframework.com', aud: appId, serviceurl: serviceUrl, nbf: now - 60, iat: now - 60, exp: now + 3600 };
const sign = (claims, options = {}) => jwt.sign({ ...good, ...claims }, options.key ?? privateKey, { algorithm: options.alg ?? 'RS256', keyid: options.kid ?? kid });

const cases = [
  { name: 'valid', token: sign({}), expected: true },
  { name: 'expired 2 min ago (within the 5 min skew)', token: sign({ exp: now - 120, nbf: now - 3600, iat: now - 3600 }), expected: true },
  { name: 'expired 10 min ago', token: sign({ exp: now - 600, nbf: now - 3600, iat: now - 3600 }), expected: false },
  { name: 'wrong audience', token: sign({ aud: '11111111-2222-3333-4444-555555555555' }), expected: false },
  { name: 'wrong issuer', token: sign({ iss: 'https://sts.example.com/' }), expected: false },
  { name: 'serviceurl mismatch', token: sign({ serviceurl: 'https://smba.trafficmanager.net/amer/' }), expected: false },
  { name: 'channel not endorsed', token: sign({}), channelId: Channels.Slack, expected: false },
  { name: 'unknown signing key', token: sign({}, { key: strangerKey, kid: 'stranger' }), expected: false },
  { name: 'HS256 with the key id', token: sign({}, { key: 'a-shared-secret-that-is-long-enough-for-hs256', alg: 'HS256' }), expected: false },
];

async function microsoftAccepts(c) {
  try {
    await ChannelValidation.authenticateChannelTokenWithServiceUrl(`Bearer ${c.token}`, new SimpleCredentialProvider(appId, 'unused'), serviceUrl, c.channelId ?? Channels.Emulator);
    return true;
  } catch {
    return false;
  }
}

async function qabotAccepts(c, i) {
  const activity = {
    type: ActivityTypes.Message, id: `oracle-${i}`, serviceUrl, channelId: c.channelId ?? Channels.Emulator,
    from: { id: 'user-id' }, recipient: { id: 'bot-id' }, conversation: { id: `oracle-${i}` }, text: 'How much have Honda sales dropped?',
  };
  const response = await fetch(messagesUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${c.token}` }, body: JSON.stringify(activity) });
  if (response.status !== 202 && response.status !== 401) throw new Error(`${c.name}: unexpected status ${response.status}`);
  return response.status === 202;
}

(async () => {
  const results = [];
  const failures = [];
  for (const [i, c] of cases.entries()) {
    try {
      const r = { name: c.name, expected: c.expected, microsoft: await microsoftAccepts(c), qabot: await qabotAccepts(c, i) };
      results.push(r);
      if (r.microsoft !== c.expected || r.qabot !== c.expected) failures.push(`${c.name}: expected ${c.expected}, Microsoft ${r.microsoft}, QaBot ${r.qabot}`);
    } catch (error) {
      failures.push(String(error && error.stack || error));
    }
  }
  console.log(JSON.stringify({ ok: failures.length === 0, cases: results, failures }, null, 2));
  process.exit(failures.length === 0 ? 0 : 1);
})();
