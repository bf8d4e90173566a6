-- Deletes a key only if it still holds this caller's value (a lease or an in-flight slot may have run
-- out and been taken by another holder meanwhile).
-- KEYS: the key. ARGV: the value it must hold. Returns 1 when deleted, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0
