"""An integrator's first day, written against the Python client that openapi-python-client
generated from openapi/openapi.json (the package `confidant_client`, on PYTHONPATH) and run
against a real Confidant server by tests/tests/e2e/third_party.rs.

Every step uses the generated functions and models only; any answer other than the expected
one ends the run with a non-zero exit and a line saying which step failed.
"""

import io
import os
import sys
import time

from confidant_client import AuthenticatedClient, Client
from confidant_client.api.attachments import download_attachment, upload_attachment
from confidant_client.api.auth import login, logout
from confidant_client.api.blasts import create_blast, get_blast
from confidant_client.api.conversations import (
    create_conversation,
    delete_conversation,
    get_conversation,
    list_conversations,
    mark_read,
    post_message,
    unread,
)
from confidant_client.models import (
    AttachmentUpload,
    CreateBlastRequest,
    CreateConversationRequest,
    CreateMessageRequest,
    Folder,
    LoginRequest,
    LogoutRequest,
    RecipientRefType0,
    RecipientRefType0Type,
)
from confidant_client.types import File


def check(condition, step):
    if not condition:
        print(f"scenario failed: {step}", file=sys.stderr)
        sys.exit(1)


base_url = os.environ["CONFIDANT_URL"]
anonymous = Client(base_url=base_url)


def sign_in(email, password):
    answer = login.sync_detailed(client=anonymous, body=LoginRequest(email=email, password=password))
    check(answer.status_code == 200 and answer.parsed.token_type == "Bearer", f"sign in as {email}")
    client = AuthenticatedClient(base_url=base_url, token=answer.parsed.access_token)
    return client, answer.parsed.refresh_token


staff, staff_refresh = sign_in(os.environ["STAFF_EMAIL"], os.environ["STAFF_PASSWORD"])
patient, _ = sign_in(os.environ["CLIENT_EMAIL"], os.environ["CLIENT_PASSWORD"])
client_id = os.environ["CLIENT_ID"]
other_client_id = os.environ["OTHER_CLIENT_ID"]

# Upload a file and start a thread that carries it.
text = b"Worksheet for Thursday\n"
upload = upload_attachment.sync_detailed(
    client=staff,
    body=AttachmentUpload(file=File(payload=io.BytesIO(text), file_name="worksheet.txt", mime_type="text/plain")),
)
check(upload.status_code == 201 and upload.parsed.size == len(text), "upload a file")
started = create_conversation.sync_detailed(
    client=staff,
    body=CreateConversationRequest(
        recipients=[RecipientRefType0(id=client_id, type_=RecipientRefType0Type.PERSON)],
        subject="Thursday's session",
        body="Here is the worksheet we talked about.",
        attachment_ids=[upload.parsed.id],
    ),
)
check(started.status_code == 201, "start a thread")
thread_id = started.parsed.id

# The client sees it unread, opens it, and downloads the file.
check(unread.sync(client=patient).conversations == 1, "the client's unread badge shows the thread")
inbox = list_conversations.sync(client=patient, folder=Folder.INBOX)
check(any(c.id == thread_id for c in inbox.items), "the thread is in the client's inbox")
opened = get_conversation.sync_detailed(id=thread_id, client=patient)
check(opened.status_code == 200 and len(opened.parsed.messages) == 1, "the client opens the thread")
attachment = opened.parsed.messages[0].attachments[0]
check(attachment.file_name == "worksheet.txt", "the message carries the file")
download = download_attachment.sync_detailed(id=attachment.id, client=patient)
check(download.status_code == 200 and download.content == text, "the client downloads the file")
check(unread.sync(client=patient).conversations == 0, "opening the thread marked it read")

# The client replies; the staff member reads it and marks it read.
reply = post_message.sync_detailed(id=thread_id, client=patient, body=CreateMessageRequest(body="Thank you, see you Thursday."))
check(reply.status_code == 201, "the client replies")
check(unread.sync(client=staff).conversations == 1, "the reply is unread for the staff member")
check(mark_read.sync_detailed(id=thread_id, client=staff).status_code == 204, "the staff member marks the thread read")
check(unread.sync(client=staff).conversations == 0, "and the badge is clear")

# A blast to two clients, followed until it is done.
blast = create_blast.sync_detailed(
    client=staff,
    body=CreateBlastRequest(
        client_ids=[client_id, other_client_id],
        subject="Office closed on Friday",
        body="Our office is closed this Friday.",
    ),
)
check(blast.status_code == 202 and blast.parsed.total == 2, "send a blast")
state = blast.parsed.state
for _ in range(100):
    if state == "done":
        break
    time.sleep(0.1)
    state = get_blast.sync(id=blast.parsed.id, client=staff).state
check(state == "done", "the blast reaches done")

# Page through the staff member's sent folder one thread at a time.
seen = []
cursor = None
while True:
    kwargs = {"cursor": cursor} if cursor else {}
    page = list_conversations.sync_detailed(client=staff, folder=Folder.SENT, limit=1, **kwargs)
    check(page.status_code == 200 and len(page.parsed.items) <= 1, "page the sent folder")
    seen.extend(c.id for c in page.parsed.items)
    cursor = page.parsed.next_cursor if isinstance(page.parsed.next_cursor, str) else None
    if not cursor:
        break
check(len(seen) == 3 and len(set(seen)) == 3, "three threads, each once")

# Errors come as problems with a stable code.
refused = create_conversation.sync_detailed(
    client=staff,
    body=CreateConversationRequest(recipients=[], subject="x", body="y"),
)
check(refused.status_code == 422 and refused.parsed.code == "validation_failed", "a bad request is a 422 problem")

# Deleting the thread removes it for the client too.
check(delete_conversation.sync_detailed(id=thread_id, client=staff).status_code == 204, "delete the thread")
gone = get_conversation.sync_detailed(id=thread_id, client=patient)
check(gone.status_code == 404 and gone.parsed.code == "not_found", "the thread is gone for the client")

signed_out = logout.sync_detailed(client=anonymous, body=LogoutRequest(refresh_token=staff_refresh))
check(signed_out.status_code == 204, "sign out")
print("scenario passed: Python client generated by openapi-python-client")
