ALTER TABLE practices DROP COLUMN require_staff_mfa;
DROP TABLE mfa_challenges;
DROP TABLE totp_recovery_codes;
DROP TABLE totp_authenticators;
