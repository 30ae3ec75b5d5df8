// Verifies one webhook delivery as an integrator's Node receiver would, with the Standard
// Webhooks library from npm: the raw body on stdin, the headers and the secret in the
// environment (WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE, WEBHOOK_SECRET). Prints the
// verified payload's type; exits non-zero (the library throws) when it does not verify.
import { Webhook } from "standardwebhooks";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const body = Buffer.concat(chunks).toString("utf8");
const payload = new Webhook(process.env.WEBHOOK_SECRET).verify(body, {
  "webhook-id": process.env.WEBHOOK_ID,
  "webhook-timestamp": process.env.WEBHOOK_TIMESTAMP,
  "webhook-signature": process.env.WEBHOOK_SIGNATURE,
});
console.log(payload.type);
