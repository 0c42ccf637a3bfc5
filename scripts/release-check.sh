#!/usr/bin/env bash
# make release-check: `goreleaser check`, then a snapshot release (no signature, nothing published) for one
# platform, linux/amd64 unless RELEASE_CHECK_PLATFORM=os/arch, and checks of what the Registry relies on:
#   - each provider zip holds exactly one binary, terraform-provider-entra_v<version>[.exe], and no emulator;
#   - the emulator has archives of its own, entra-emulator_<version>_<os>_<arch>.zip;
#   - SHA256SUMS lists every provider zip and the registry manifest, and no emulator zip (each line of it becomes a
#     hash in users' lock files), and the sums match.
# With --all (make release-snapshot) every platform of .goreleaser.yml is built, and sizes are printed.
# goreleaser's own timeout is raised to $RELEASE_TIMEOUT (3h): every platform takes over an hour on two busy cores.
# goreleaser comes from tools/release/go.mod (bin/goreleaser, built by the GNUmakefile).
set -euo pipefail
cd "$(dirname "$0")/.."

all=no
if [[ "${1:-}" == "--all" ]]; then all=yes; fi
goreleaser=${GORELEASER:-bin/goreleaser}
platform=${RELEASE_CHECK_PLATFORM:-linux/amd64}

work=$(mktemp -d "${TMPDIR:-/tmp}/entra-release.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "==> goreleaser check"
"$goreleaser" check

config=.goreleaser.yml
if [[ $all == no ]]; then
	# The same configuration, with every target list between the markers replaced by one platform.
	config=$work/goreleaser.yml
	awk -v os="${platform%/*}" -v arch="${platform#*/}" '
		/# targets:begin/ { print; match($0, /^ */); pad = substr($0, 1, RLENGTH)
			print pad "goos: [" os "]"; print pad "goarch: [" arch "]"; skip = 1; next }
		/# targets:end/ { skip = 0 }
		!skip' .goreleaser.yml >"$config"
	if ! grep -q "goarch: \[${platform#*/}\]" "$config"; then echo "no '# targets:begin' markers in .goreleaser.yml" >&2; exit 1; fi
fi

echo "==> goreleaser release --snapshot --clean --skip=publish,sign ($([[ $all == yes ]] && echo "every platform" || echo "$platform"))"
t0=$(date +%s)
"$goreleaser" release --config "$config" --snapshot --clean --skip=publish,sign --parallelism "${RELEASE_PARALLELISM:-2}" --timeout "${RELEASE_TIMEOUT:-3h}" >"$work/goreleaser.log" 2>&1 ||
	{ cat "$work/goreleaser.log"; exit 1; }
echo "built in $(($(date +%s) - t0))s"

echo "==> what the Registry will read"
sums=$(ls dist/terraform-provider-entra_*_SHA256SUMS)
version=$(basename "$sums" | sed -E 's/^terraform-provider-entra_(.*)_SHA256SUMS$/\1/')
fail=0
shopt -s nullglob
provider_zips=(dist/terraform-provider-entra_"$version"_*.zip)
emulator_zips=(dist/entra-emulator_"$version"_*.zip)
if ((${#provider_zips[@]} == 0)); then echo "no provider zip in dist/"; fail=1; fi
if ((${#emulator_zips[@]} != ${#provider_zips[@]})); then
	echo "${#provider_zips[@]} provider zips but ${#emulator_zips[@]} emulator zips"; fail=1
fi
zip_list() { python3 -c 'import sys, zipfile; [print(i.filename, i.file_size) for i in zipfile.ZipFile(sys.argv[1]).infolist()]' "$1"; }
printf '%-62s %12s %12s\n' archive binary zip
for z in "${provider_zips[@]}" "${emulator_zips[@]}"; do
	entries=$(zip_list "$z")
	binaries=$(grep -vE '^(LICENSE|CONTRACT\.md|README\.md) ' <<<"$entries" || true)
	n=$(grep -c . <<<"$binaries" || true)
	case $(basename "$z") in
	terraform-provider-entra_*) want="^terraform-provider-entra_v${version//./\\.}(\.exe)? " ;;
	*) want='^entra-emulator(\.exe)? ' ;;
	esac
	if [[ $n != 1 ]] || ! grep -qE "$want" <<<"$binaries"; then
		echo "$(basename "$z") must hold exactly one binary matching $want; it holds:"; sed 's/^/  /' <<<"$entries"; fail=1
	fi
	printf '%-62s %12s %12s\n' "$(basename "$z")" "$(awk '{print $2}' <<<"$binaries" | head -1)" "$(stat -c %s "$z")"
done
for f in "${provider_zips[@]}"; do
	if ! grep -q "  $(basename "$f")\$" "$sums"; then echo "$(basename "$f") is not in $(basename "$sums")"; fail=1; fi
done
for f in "${emulator_zips[@]}"; do
	if grep -q "  $(basename "$f")\$" "$sums"; then echo "$(basename "$f") is in $(basename "$sums"): it would add a hash to every user's lock file"; fail=1; fi
done
manifest="terraform-provider-entra_${version}_manifest.json"
if ! grep -qx "$(sha256sum terraform-registry-manifest.json | cut -d' ' -f1)  $manifest" "$sums"; then
	echo "$(basename "$sums") does not list terraform-registry-manifest.json as $manifest"; fail=1
fi
(cd dist && sha256sum --quiet --ignore-missing -c "$(basename "$sums")") || fail=1
if ((fail)); then echo "release check failed"; exit 1; fi
echo "release check passed: $(basename "$sums") lists ${#provider_zips[@]} provider zips and the manifest; ${#emulator_zips[@]} emulator zips beside it"
