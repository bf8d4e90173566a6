-- Applies the global audit stream's retention to entries appended by other scripts (the transition
-- script writes the outcome entries), once per batch.
-- KEYS: global stream, export cursor. ARGV: retention.
--@include retention
trim(KEYS[1], KEYS[2], tonumber(ARGV[1])) return 1
