#!/usr/bin/env bash
# Regenerates docs/ with tfplugindocs (built from tools/go.mod). tfplugindocs reads the provider schema
# through the terraform CLI on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v terraform >/dev/null 2>&1; then
	echo "make docs needs the terraform CLI on PATH to read the provider schema" >&2
	exit 1
fi
make --no-print-directory bin/tfplugindocs >/dev/null
terraform fmt -recursive examples/
bin/tfplugindocs generate --provider-dir . --provider-name entra
