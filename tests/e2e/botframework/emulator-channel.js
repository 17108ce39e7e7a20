// Plays the Bot Framework Emulator / Bot Connector against QaBot's /api/messages with Microsoft's own packages:
// botbuilder's ChannelServiceRoutes + ChannelServiceHandler serve the Connector routes the bot replies to
// (parsing and validating each activity as the SDK does), and inbound activities are built from botframework-schema's
// constants. Prints one JSON object {ok, checks, failures} and exits 0 only when every check passed.
//   node emulator-channel.js http://127.0.0.1:PORT/api/messages
'use strict';
const http = require('http');
const { ChannelServiceRoutes, ChannelServiceHandler, TurnContext } = require('botbuilder');
const { SimpleCredentialProvider, AuthenticationConfiguration } = require('botframework-connector');
const { ActivityTypes, Channels, ActionTypes, RoleTypes } = require('botframework-schema');

const messagesUrl = process.argv[2];
if (!messagesUrl) { console.error('usage: node emulator-channel.js <bot /api/messages URL>'); process.exit(2); }

const BOT = { id: 'bot-id', name: 'QaBot', role: RoleTypes.Bot };
const USER = { id: 'user-id', name: 'User', role: RoleTypes.User };
const received = []; // {conversationId, activityId, authorization, activity}
const checks = [];
const failures = [];
const check = (name, ok, detail) => { (ok ? checks : failures).push(ok ? name : `${name}: ${detail ?? ''}`); };

/** Records what the bot sends, after the SDK's own route handling, auth (anonymous: no app id) and activity validation. */
class RecordingHandler extends ChannelServiceHandler {
  async onReplyToActivity(claims, conversationId, activityId, activity) { return this.record(conversationId, activityId, activity); }
  async onSendToConversation(claims, conversationId, activity) { return this.record(conversationId, null, activity); }
  record(conversationId, activityId, activity) {
    received.push({ conversationId, activityId, authorization: currentAuthorization, activity });
    return { id: `connector-${received.length}` };
  }
}
let currentAuthorization;

/** The little of restify/express that ChannelServiceRoutes.register needs, on node's http server. */
function webServer() {
  const routes = [];
  const route = (method) => (pattern, handler) => {
    const keys = [];
    const regex = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, k) => { keys.push(k); return '([^/]+)'; }) + '$');
    routes.push({ method, regex, keys, handler });
  };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    const r = routes.find((x) => x.method === req.method && x.regex.test(path));
    if (!r) { res.statusCode = 404; res.end(); return; }
    const m = r.regex.exec(path);
    req.params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]));
    currentAuthorization = req.headers.authorization;
    const reply = {
      status(code) { res.statusCode = code; },
      send(body) { if (typeof body === 'object') { res.setHeader('Content-Type', 'application/json'); res.write(JSON.stringify(body)); } else res.write(String(body)); },
      end() { if (!res.writableEnded) res.end(); },
    };
    r.handler(req, reply, () => {});
  });
  return { routes: { post: route('POST'), put: route('PUT'), get: route('GET'), delete: route('DELETE') }, server };
}

async function post(activity) {
  const response = await fetch(messagesUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(activity) });
  return { status: response.status, body: await response.text() };
}

async function waitFor(conversationId, predicate, what) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const mine = received.filter((r) => r.conversationId === conversationId);
    if (predicate(mine)) return mine;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(mine.map((r) => r.activity))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function inbound(serviceUrl, conversationId, fields) {
  return {
    id: `in-${Math.random().toString(36).slice(2)}`, timestamp: new Date().toISOString(), serviceUrl, channelId: Channels.Emulator,
    from: USER, recipient: BOT, conversation: { id: conversationId }, locale: 'en-US', ...fields,
  };
}

/** The reply shape every Connector expects: addressed back to the user, in the conversation, no id of its own. */
function checkAddressing(name, r, conversationId) {
  const a = r.activity;
  check(`${name}: from is the bot`, a.from && a.from.id === BOT.id, JSON.stringify(a.from));
  check(`${name}: recipient is the user`, a.recipient && a.recipient.id === USER.id, JSON.stringify(a.recipient));
  check(`${name}: conversation`, a.conversation && a.conversation.id === conversationId, JSON.stringify(a.conversation));
  check(`${name}: no id (the channel assigns it)`, a.id === undefined, a.id);
  check(`${name}: no Authorization header in Emulator mode`, r.authorization === undefined, r.authorization);
}

/**
 * One root schema.org Message entity; each Claim position has a [n] marker and a "[n]: cite:n" definition (Web Chat pairs
 * them) and carries the quoted passage as appearance.text, which Web Chat opens on a click (and needs: without it, it throws).
 */
function checkCitations(name, a) {
  const roots = (a.entities || []).filter((e) => e.type === 'https://schema.org/Message');
  check(`${name}: exactly one root Message entity`, roots.length === 1, JSON.stringify(a.entities));
  if (roots.length !== 1) return;
  const e = roots[0];
  check(`${name}: AI label`, Array.isArray(e.additionalType) && e.additionalType.includes('AIGeneratedContent'), JSON.stringify(e.additionalType));
  const claims = e.citation || [];
  check(`${name}: has claims`, claims.length > 0);
  const definitions = new Map([...a.text.matchAll(/^\[(\d+)\]: (\S+) "([^"]*)"$/gm)].map((m) => [m[1], m[2]]));
  for (const c of claims) {
    check(`${name}: claim ${c.position} is a Claim with a DigitalDocument`, c['@type'] === 'Claim' && c.appearance && c.appearance['@type'] === 'DigitalDocument' && c.appearance.name.length <= 80);
    check(`${name}: claim ${c.position} has a link definition`, definitions.has(String(c.position)), a.text);
    check(`${name}: claim ${c.position} is marked in the text`, a.text.includes(`[${c.position}]`));
    check(`${name}: claim ${c.position} definition is cite:${c.position}`, definitions.get(String(c.position)) === `cite:${c.position}`, a.text);
    check(`${name}: claim ${c.position} carries its passage`, c.appearance && typeof c.appearance.text === 'string' && c.appearance.text.length > 0, JSON.stringify(c.appearance));
  }
}

async function main() {
  const { routes, server } = webServer();
  // No app id: the SDK's handler runs anonymously, as the Emulator does for a bot without one.
  new ChannelServiceRoutes(new RecordingHandler(new SimpleCredentialProvider('', ''), new AuthenticationConfiguration())).register(routes);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const serviceUrl = `http://127.0.0.1:${server.address().port}`;
  try {
    // 1. Emulator start: conversationUpdate with the user and the bot → one welcome.
    const welcomeConversation = 'emu-welcome';
    let res = await post(inbound(serviceUrl, welcomeConversation, { type: ActivityTypes.ConversationUpdate, membersAdded: [USER, { id: BOT.id, name: 'Bot' }] }));
    check('conversationUpdate accepted', res.status === 200 || res.status === 202, res.status);
    const [welcome] = await waitFor(welcomeConversation, (a) => a.length >= 1, 'the welcome');
    check('welcome is a message', welcome.activity.type === ActivityTypes.Message, welcome.activity.type);
    checkAddressing('welcome', welcome, welcomeConversation);

    // 2. A question → typing, then the cited answer, both replies to the question.
    const qaConversation = 'emu-qa';
    const question = inbound(serviceUrl, qaConversation, { type: ActivityTypes.Message, text: 'How much have Honda sales dropped?' });
    res = await post(question);
    check('message accepted', res.status === 200 || res.status === 202, res.status);
    const replies = await waitFor(qaConversation, (a) => a.some((r) => r.activity.type === ActivityTypes.Message), 'the answer');
    check('typing first, then the answer', JSON.stringify(replies.map((r) => r.activity.type)) === JSON.stringify([ActivityTypes.Typing, ActivityTypes.Message]), replies.map((r) => r.activity.type));
    for (const r of replies) {
      check(`${r.activity.type}: posted to /activities/{question id}`, r.activityId === question.id, r.activityId);
      check(`${r.activity.type}: replyToId`, r.activity.replyToId === question.id, r.activity.replyToId);
      checkAddressing(r.activity.type, r, qaConversation);
    }
    const answer = replies[1].activity;
    check('answer states 24.2%', answer.text.includes('24.2%'), answer.text);
    check('answer is markdown', answer.textFormat === 'markdown', answer.textFormat);
    checkCitations('answer', answer);
    const actions = (answer.suggestedActions && answer.suggestedActions.actions) || [];
    check('suggested actions are imBack', actions.every((x) => x.type === ActionTypes.ImBack && x.value === x.title), JSON.stringify(actions));

    // 3. Teams channel message with the bot @mentioned: TurnContext.removeMentionText gives the question the bot must answer.
    const teamsConversation = '19:abc@thread.skype;messageid=1';
    const mention = { type: 'mention', mentioned: { id: BOT.id, name: BOT.name }, text: `<at>${BOT.name}</at>` };
    const teamsQuestion = inbound(serviceUrl, teamsConversation, {
      type: ActivityTypes.Message, channelId: Channels.Msteams, text: `<at>${BOT.name}</at> How much have Honda sales dropped?`,
      entities: [mention], conversation: { id: teamsConversation, conversationType: 'channel', isGroup: true },
    });
    check('SDK strips the mention to the plain question', TurnContext.removeMentionText({ ...teamsQuestion, entities: [mention] }, BOT.id) === 'How much have Honda sales dropped?');
    await post(teamsQuestion);
    const teamsReplies = await waitFor(teamsConversation, (a) => a.some((r) => r.activity.type === ActivityTypes.Message), 'the Teams answer');
    const teamsAnswer = teamsReplies.find((r) => r.activity.type === ActivityTypes.Message);
    check('Teams id is escaped in the URL and decoded back', teamsAnswer.conversationId === teamsConversation, teamsAnswer.conversationId);
    check('Teams answer to the stripped question', teamsAnswer.activity.text.includes('24.2%'), teamsAnswer.activity.text);
    check('Teams feedback loop enabled', teamsAnswer.activity.channelData && teamsAnswer.activity.channelData.feedbackLoopEnabled === true, JSON.stringify(teamsAnswer.activity.channelData));
    check('Teams: one root Message entity', teamsAnswer.activity.entities.filter((e) => e.type === 'https://schema.org/Message').length === 1);

    // 4. Teams feedback: invoke message/submitAction → 200 with an empty body.
    res = await post(inbound(serviceUrl, teamsConversation, {
      type: ActivityTypes.Invoke, channelId: Channels.Msteams, name: 'message/submitAction', replyToId: 'connector-1',
      value: { actionName: 'feedback', actionValue: { reaction: 'like', feedback: JSON.stringify({ feedbackText: 'Great' }) } },
    }));
    check('feedback invoke answered 200', res.status === 200, res.status);
    check('feedback invoke body empty', res.body === '', res.body);
  } catch (error) {
    failures.push(String(error && error.stack || error));
  } finally {
    server.close();
  }
  console.log(JSON.stringify({ ok: failures.length === 0, checks, failures }, null, 2));
  process.exit(failures.length === 0 ? 0 : 1);
}

main();
