#!/usr/bin/env node
// The package's command. pnpm links bins at install time, before anything is built, so the bin must be a
// file that exists in the repository; it starts the built server.
import "../dist/main.js";
