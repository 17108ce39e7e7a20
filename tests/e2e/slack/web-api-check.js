// Independent client check for QaBot's Slack channel, run by QaBot.Channels.Slack.Tests.
//
// 1. Slack's official Node SDK (@slack/web-api WebClient) talks to the test's fake Slack Web API, proving the fake answers
//    the way real Slack does as far as the SDK can tell: auth.test fields, chat.postMessage results, ok:false errors and
//    429 + Retry-After (the SDK must wait and retry), so the C# tests against that fake mean something.
// 2. Events signed here with Node's crypto, following Bolt's verify-request algorithm, are posted to QaBot's endpoint:
//    a second, independent implementation of Slack's signing scheme.
//
// Usage: node web-api-check.js <slackApiUrl> <botToken> <eventsUrl> <signingSecret> <channel> <rateLimitedChannel>
// Prints one JSON object; exits 0 when every step ran (the .NET test asserts the values).
'use strict';
const crypto = require('node:crypto');
const { WebClient, ErrorCode } = require('@slack/web-api');

const [slackApiUrl, token, eventsUrl, signingSecret, channel, rateLimitedChannel] = process.argv.slice(2);
if (!rateLimitedChannel) {
  console.error('usage: node web-api-check.js <slackApiUrl> <botToken> <eventsUrl> <signingSecret> <channel> <rateLimitedChannel>');
  process.exit(2);
}

// Bolt (verify-request.js): v0= + hex HMAC-SHA256 over "v0:{timestamp}:{raw body}".
function sign(body, timestamp, secret = signingSecret) {
  const hmac = crypto.createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return `v0=${hmac}`;
}

async function postEvent(payload, { secret, ageSeconds = 0 } = {}) {
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000) - ageSeconds;
  const started = Date.now();
  const response = await fetch(eventsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': sign(body, timestamp, secret) },
    body,
  });
  return { status: response.status, ms: Date.now() - started, body: await response.text() };
}

async function platformError(call) {
  try {
    await call();
    return null;
  } catch (error) {
    return { code: error.code, error: error.data && error.data.error };
  }
}

async function main() {
  const result = {};
  const retryConfig = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 };
  const client = new WebClient(token, { slackApiUrl, retryConfig });

  const auth = await client.auth.test();
  result.authTest = { ok: auth.ok, userId: auth.user_id, botId: auth.bot_id, teamId: auth.team_id };

  const blocks = [
    { type: 'section', text: { type: 'mrkdwn', text: 'Honda fell 24.2% [1]' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: '*Sources*\n[1] <https://example.com/a|Japanese cars>' }] },
    {
      type: 'actions',
      block_id: 'qabot_vote',
      elements: [
        { type: 'button', action_id: 'qabot_vote_up', text: { type: 'plain_text', text: '👍', emoji: true }, value: 'ref' },
        { type: 'button', action_id: 'qabot_vote_down', text: { type: 'plain_text', text: '👎', emoji: true }, value: 'ref' },
      ],
    },
  ];
  const posted = await client.chat.postMessage({ channel, text: 'Honda fell 24.2% [1]', thread_ts: '1700000900.000100', blocks, unfurl_links: false });
  result.postMessage = { ok: posted.ok, ts: posted.ts, channel: posted.channel };

  let rateLimitedSeconds = null;
  client.on('rate_limited', (seconds) => { rateLimitedSeconds = seconds; });
  const started = Date.now();
  const afterLimit = await client.chat.postMessage({ channel: rateLimitedChannel, text: 'after a 429' });
  result.rateLimited = { ok: afterLimit.ok, retryAfterSeconds: rateLimitedSeconds, waitedMs: Date.now() - started };

  const notFound = await platformError(() => client.chat.postMessage({ channel: 'CNOTFOUND', text: 'nowhere' }));
  result.channelNotFound = notFound && { isPlatformError: notFound.code === ErrorCode.PlatformError, error: notFound.error };
  const badAuth = await platformError(() => new WebClient('xoxb-wrong', { slackApiUrl, retryConfig }).auth.test());
  result.invalidAuth = badAuth && { isPlatformError: badAuth.code === ErrorCode.PlatformError, error: badAuth.error };

  const challenge = crypto.randomBytes(12).toString('hex');
  const verification = await postEvent({ token: 'legacy', challenge, type: 'url_verification' });
  result.urlVerification = { status: verification.status, echoed: verification.status === 200 && JSON.parse(verification.body).challenge === challenge };

  const mention = {
    token: 'legacy', team_id: 'T0TEST', api_app_id: 'A0QABOT', type: 'event_callback', event_id: `EvNODE${Date.now()}`, event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_mention', user: 'UNODE', text: `<@${auth.user_id}> How much did Honda's sales drop in China?`, channel, ts: '1700000950.000100', event_ts: '1700000950.000100' },
  };
  const accepted = await postEvent(mention);
  result.mention = { status: accepted.status, ms: accepted.ms };
  result.wrongSecret = { status: (await postEvent(mention, { secret: 'not-the-secret' })).status };
  result.replay = { status: (await postEvent(mention, { ageSeconds: 6 * 60 })).status };

  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
