#!/usr/bin/env node
// Parses Terraform/HCL files with @cdktf/hcl2json (HashiCorp's HCL parser compiled to WebAssembly) and prints ONE JSON
// object on stdout: { "<path as given>": <parsed JSON>, ... }. Used by TerraformTest (src/test/java/dev/ledger/deploy);
// the build installs this folder into target/hcl with `npm ci`.
//
// Usage: node target/hcl/parse.js file.tf [file.tf ...]
// Exit codes: 0 all parsed; 1 a file could not be read or parsed (the error goes to stderr); 2 no files given.
"use strict";

const fs = require("fs");
const { parse } = require("@cdktf/hcl2json");

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: node parse.js <file.tf> [<file.tf> ...]\n");
    return 2;
  }
  const result = {};
  for (const file of files) {
    let contents;
    try {
      contents = fs.readFileSync(file, "utf8");
    } catch (error) {
      process.stderr.write(`${file}: cannot read: ${error.message}\n`);
      return 1;
    }
    try {
      result[file] = await parse(file, contents);
    } catch (error) {
      process.stderr.write(`${file}: cannot parse: ${error && error.message ? error.message : error}\n`);
      return 1;
    }
  }
  // Written in one go, then the process ends; the WebAssembly runtime would otherwise keep the event loop alive.
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) {
      process.exit(code);
    }
  },
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
