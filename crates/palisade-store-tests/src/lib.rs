//! Story tests of the palisade store backends live in `tests/store/`: one
//! binary that runs the same stories against `SQLite` (in a temp dir) and
//! `PostgreSQL` (`PALISADE_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`, each test in its own schema).
//! Run them with `cargo test -p palisade-store-tests`.
