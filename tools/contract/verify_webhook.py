"""Verifies one webhook delivery as an integrator's receiver would, with the Standard Webhooks
library from PyPI: the raw body on stdin, the headers and the secret in the environment
(WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE, WEBHOOK_SECRET). Prints the verified
payload's type; exits non-zero when the signature does not verify."""

import os
import sys

from standardwebhooks.webhooks import Webhook

body = sys.stdin.buffer.read()
headers = {
    "webhook-id": os.environ["WEBHOOK_ID"],
    "webhook-timestamp": os.environ["WEBHOOK_TIMESTAMP"],
    "webhook-signature": os.environ["WEBHOOK_SIGNATURE"],
}
payload = Webhook(os.environ["WEBHOOK_SECRET"]).verify(body, headers)
print(payload["type"])
