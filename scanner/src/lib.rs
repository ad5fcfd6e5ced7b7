//! The snapguard binary's library half: config file loading, shared by the CLI and its
//! end-to-end tests.
