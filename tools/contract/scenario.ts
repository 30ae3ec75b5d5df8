// An integrator's first day, written against the TypeScript client that @hey-api/openapi-ts
// generated from openapi/openapi.json (into the folder named by CONFIDANT_TS_CLIENT) and run
// against a real Confidant server by tests/tests/e2e/third_party.rs.
//
// Every step uses the generated functions and types only; any answer other than the expected
// one ends the run with a non-zero exit and a line saying which step failed.

const folder = required("CONFIDANT_TS_CLIENT");
const sdk = await import(`${folder}/sdk.gen.ts`);
const { createClient, createConfig } = await import(`${folder}/client/index.ts`);

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function check(condition: unknown, step: string): asserts condition {
  if (!condition) {
    console.error(`scenario failed: ${step}`);
    process.exit(1);
  }
}

const baseUrl = required("CONFIDANT_URL");
const anonymous = createClient(createConfig({ baseUrl }));

async function signIn(email: string, password: string) {
  const { data, response } = await sdk.login({
    client: anonymous,
    body: { email, password },
  });
  check(response.status === 200 && data?.token_type === "Bearer", `sign in as ${email}`);
  const token: string = data.access_token;
  return {
    client: createClient(createConfig({ baseUrl, auth: () => token })),
    refresh: data.refresh_token as string,
    id: data.person.id as string,
  };
}

const staff = await signIn(required("STAFF_EMAIL"), required("STAFF_PASSWORD"));
const patient = await signIn(required("CLIENT_EMAIL"), required("CLIENT_PASSWORD"));
const clientId = required("CLIENT_ID");
const otherClientId = required("OTHER_CLIENT_ID");

// Upload a file and start a thread that carries it.
const text = "Worksheet for Thursday\n";
const upload = await sdk.uploadAttachment({
  client: staff.client,
  body: { file: new File([text], "worksheet.txt", { type: "text/plain" }) },
});
check(upload.response.status === 201 && upload.data?.size === text.length, "upload a file");
const started = await sdk.createConversation({
  client: staff.client,
  body: {
    recipients: [{ type: "person", id: clientId }],
    subject: "Thursday's session",
    body: "Here is the worksheet we talked about.",
    attachment_ids: [upload.data.id],
  },
});
check(started.response.status === 201, "start a thread");
const threadId: string = started.data.id;

// The client sees it unread, opens it, and downloads the file.
const badge = await sdk.unread({ client: patient.client });
check(badge.data?.conversations === 1, "the client's unread badge shows the thread");
const inbox = await sdk.listConversations({ client: patient.client, query: { folder: "inbox" } });
check(inbox.data?.items.some((c: { id: string }) => c.id === threadId), "the thread is in the client's inbox");
const opened = await sdk.getConversation({ client: patient.client, path: { id: threadId } });
check(opened.response.status === 200 && opened.data.messages.length === 1, "the client opens the thread");
const attachment = opened.data.messages[0].attachments[0];
check(attachment?.file_name === "worksheet.txt", "the message carries the file");
const download = await sdk.downloadAttachment({
  client: patient.client,
  path: { id: attachment.id },
  parseAs: "text",
});
check(download.response.status === 200 && download.data === text, "the client downloads the file");
const afterOpening = await sdk.unread({ client: patient.client });
check(afterOpening.data?.conversations === 0, "opening the thread marked it read");

// The client replies; the staff member reads it and marks it read.
const reply = await sdk.postMessage({
  client: patient.client,
  path: { id: threadId },
  body: { body: "Thank you, see you Thursday." },
});
check(reply.response.status === 201, "the client replies");
const staffBadge = await sdk.unread({ client: staff.client });
check(staffBadge.data?.conversations === 1, "the reply is unread for the staff member");
const read = await sdk.markRead({ client: staff.client, path: { id: threadId } });
check(read.response.status === 204, "the staff member marks the thread read");
check((await sdk.unread({ client: staff.client })).data?.conversations === 0, "and the badge is clear");

// A blast to two clients, followed until it is done.
const blast = await sdk.createBlast({
  client: staff.client,
  body: {
    client_ids: [clientId, otherClientId],
    subject: "Office closed on Friday",
    body: "Our office is closed this Friday.",
  },
});
check(blast.response.status === 202 && blast.data.total === 2, "send a blast");
let state = blast.data.state;
for (let tries = 0; state !== "done" && tries < 100; tries += 1) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  state = (await sdk.getBlast({ client: staff.client, path: { id: blast.data.id } })).data?.state;
}
check(state === "done", "the blast reaches done");

// Page through the staff member's sent folder one thread at a time.
const seen: string[] = [];
let cursor: string | undefined;
do {
  const page = await sdk.listConversations({
    client: staff.client,
    query: { folder: "sent", limit: 1, cursor },
  });
  check(page.response.status === 200 && page.data.items.length <= 1, "page the sent folder");
  seen.push(...page.data.items.map((c: { id: string }) => c.id));
  cursor = page.data.next_cursor ?? undefined;
} while (cursor);
check(seen.length === 3 && new Set(seen).size === 3, "three threads, each once");

// Errors come as problems with a stable code.
const refused = await sdk.createConversation({
  client: staff.client,
  body: { recipients: [], subject: "x", body: "y" },
});
check(refused.response.status === 422 && refused.error?.code === "validation_failed", "a bad request is a 422 problem");

// Deleting the thread removes it for the client too.
const deleted = await sdk.deleteConversation({ client: staff.client, path: { id: threadId } });
check(deleted.response.status === 204, "delete the thread");
const gone = await sdk.getConversation({ client: patient.client, path: { id: threadId } });
check(gone.response.status === 404 && gone.error?.code === "not_found", "the thread is gone for the client");

const signedOut = await sdk.logout({ client: anonymous, body: { refresh_token: staff.refresh } });
check(signedOut.response.status === 204, "sign out");
console.log("scenario passed: TypeScript client generated by @hey-api/openapi-ts");
