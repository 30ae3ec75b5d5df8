// @generated automatically by Diesel CLI.

diesel::table! {
    attachments (id) {
        id -> Uuid,
        practice_id -> Uuid,
        uploaded_by -> Uuid,
        file_name -> Text,
        content_type -> Text,
        size -> Int8,
        sha256 -> Bytea,
        wrapped_key -> Bytea,
        attached_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        practice_id -> Uuid,
        person_id -> Uuid,
        name -> Text,
        prefix -> Text,
        key_hash -> Bytea,
        scopes -> Array<Text>,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Uuid,
        practice_id -> Nullable<Uuid>,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Uuid>,
        details -> Jsonb,
        created_at -> Timestamptz,
        source_address -> Nullable<Text>,
        api_key_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    blast_attachments (blast_id, attachment_id) {
        blast_id -> Uuid,
        attachment_id -> Uuid,
        position -> Int2,
    }
}

diesel::table! {
    blast_recipients (blast_id, client_id) {
        blast_id -> Uuid,
        client_id -> Uuid,
        practice_id -> Uuid,
        position -> Int4,
        outcome -> Nullable<Text>,
        conversation_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    blasts (id) {
        id -> Uuid,
        practice_id -> Uuid,
        sender_id -> Uuid,
        subject -> Text,
        body -> Text,
        state -> Text,
        total -> Int4,
        sent -> Int4,
        skipped -> Int4,
        failed -> Int4,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    client_providers (client_id, provider_id) {
        practice_id -> Uuid,
        client_id -> Uuid,
        provider_id -> Uuid,
    }
}

diesel::table! {
    conversation_participants (conversation_id, person_id) {
        practice_id -> Uuid,
        conversation_id -> Uuid,
        person_id -> Uuid,
        last_read_at -> Nullable<Timestamptz>,
        last_message_at -> Timestamptz,
        unread_count -> Int4,
        has_received -> Bool,
        has_sent -> Bool,
        archived_at -> Nullable<Timestamptz>,
        /// Generated: `inbox_minute(last_message_at)`, the folder indexes' key.
        last_message_minute -> Timestamptz,
        /// A row of a blast thread (set when the blast writes it; a thread's kind never
        /// changes): such rows have folder indexes of their own, in exact order.
        in_blast -> Bool,
        /// Generated: `last_message_at` in a blast thread, else NULL; the blast indexes' key.
        blast_message_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    conversations (id) {
        id -> Uuid,
        practice_id -> Uuid,
        subject -> Text,
        kind -> Text,
        started_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    email_changes (id) {
        id -> Uuid,
        practice_id -> Uuid,
        person_id -> Uuid,
        old_email -> Text,
        new_email -> Text,
        token_hash -> Nullable<Bytea>,
        requested_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        confirmed -> Bool,
    }
}

diesel::table! {
    event_stream_tickets (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        person_id -> Uuid,
        security_stamp -> Uuid,
        expires_at -> Timestamptz,
        stream_until -> Timestamptz,
    }
}

diesel::table! {
    events (id) {
        id -> Int8,
        practice_id -> Uuid,
        kind -> Text,
        data -> Jsonb,
        audience -> Array<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (person_id, key) {
        person_id -> Uuid,
        key -> Text,
        request_hash -> Bytea,
        status_code -> Nullable<Int4>,
        content_type -> Nullable<Text>,
        body -> Nullable<Bytea>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    invitations (id) {
        id -> Uuid,
        practice_id -> Uuid,
        person_id -> Uuid,
        token_hash -> Nullable<Bytea>,
        invited_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Uuid,
        kind -> Text,
        payload -> Jsonb,
        state -> Text,
        attempts -> Int4,
        max_attempts -> Int4,
        run_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
        locked_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        priority -> Int2,
        lane -> Text,
    }
}

diesel::table! {
    known_sign_in_addresses (key) {
        key -> Text,
        last_success_at -> Timestamptz,
    }
}

diesel::table! {
    message_attachments (message_id, attachment_id) {
        practice_id -> Uuid,
        message_id -> Uuid,
        attachment_id -> Uuid,
        position -> Int2,
    }
}

diesel::table! {
    messages (id) {
        id -> Uuid,
        practice_id -> Uuid,
        conversation_id -> Uuid,
        author_id -> Uuid,
        body -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Uuid,
        practice_id -> Uuid,
        person_id -> Uuid,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    people (id) {
        id -> Uuid,
        practice_id -> Uuid,
        kind -> Text,
        name -> Text,
        email -> Text,
        role -> Nullable<Text>,
        status -> Text,
        security_stamp -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    portal_accounts (person_id) {
        person_id -> Uuid,
        practice_id -> Uuid,
        email -> Text,
        password_hash -> Text,
        password_set_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    practices (id) {
        id -> Uuid,
        name -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        combine_notifications -> Bool,
        require_staff_mfa -> Bool,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        hits -> Int4,
        window_ends_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        created_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        practice_id -> Uuid,
        person_id -> Uuid,
        created_at -> Timestamptz,
        last_active_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        user_agent -> Nullable<Text>,
        network -> Nullable<Text>,
    }
}

diesel::table! {
    staff_group_members (group_id, person_id) {
        practice_id -> Uuid,
        group_id -> Uuid,
        person_id -> Uuid,
    }
}

diesel::table! {
    staff_groups (id) {
        id -> Uuid,
        practice_id -> Uuid,
        name -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    totp_authenticators (person_id) {
        person_id -> Uuid,
        secret_encrypted -> Bytea,
        confirmed_at -> Nullable<Timestamptz>,
        last_step -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    totp_recovery_codes (person_id, code_hash) {
        person_id -> Uuid,
        code_hash -> Text,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mfa_challenges (id) {
        id -> Uuid,
        person_id -> Uuid,
        token_hash -> Bytea,
        wrong_codes -> Int4,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Uuid,
        practice_id -> Uuid,
        url -> Text,
        events -> Array<Text>,
        secret_encrypted -> Bytea,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        previous_secret_encrypted -> Nullable<Bytea>,
        previous_secret_expires_at -> Nullable<Timestamptz>,
        failing_since -> Nullable<Timestamptz>,
        disabled_reason -> Nullable<Text>,
    }
}

diesel::table! {
    unread_counters (person_id) {
        person_id -> Uuid,
        unread_conversations -> Int4,
        unread_messages -> Int8,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        endpoint_id -> Uuid,
        event_id -> Nullable<Int8>,
        event_type -> Text,
        body -> Text,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_delivery_attempts (id) {
        id -> Int8,
        delivery_id -> Uuid,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        duration_ms -> Int4,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_dispatch_cursor (singleton) {
        singleton -> Bool,
        last_event_id -> Int8,
    }
}

diesel::joinable!(blast_attachments -> attachments (attachment_id));
diesel::joinable!(blast_attachments -> blasts (blast_id));
diesel::joinable!(blast_recipients -> blasts (blast_id));
diesel::joinable!(blast_recipients -> conversations (conversation_id));
diesel::joinable!(conversations -> practices (practice_id));
diesel::joinable!(event_stream_tickets -> sessions (session_id));
diesel::joinable!(message_attachments -> messages (message_id));
diesel::joinable!(mfa_challenges -> people (person_id));
diesel::joinable!(password_resets -> people (person_id));
diesel::joinable!(people -> practices (practice_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(staff_groups -> practices (practice_id));
diesel::joinable!(totp_authenticators -> people (person_id));
diesel::joinable!(totp_recovery_codes -> people (person_id));
diesel::joinable!(unread_counters -> people (person_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_delivery_attempts -> webhook_deliveries (delivery_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    attachments,
    audit_events,
    blast_attachments,
    blast_recipients,
    blasts,
    client_providers,
    conversation_participants,
    conversations,
    email_changes,
    event_stream_tickets,
    events,
    idempotency_keys,
    invitations,
    jobs,
    known_sign_in_addresses,
    message_attachments,
    messages,
    mfa_challenges,
    password_resets,
    people,
    portal_accounts,
    practices,
    rate_limits,
    refresh_tokens,
    sessions,
    staff_group_members,
    staff_groups,
    totp_authenticators,
    totp_recovery_codes,
    unread_counters,
    webhook_deliveries,
    webhook_delivery_attempts,
    webhook_dispatch_cursor,
    webhook_endpoints,
);
