#!/usr/bin/env sh
# Regenerates samples/images/hello.gvmi: a tiny squashfs of hello-root/ (made with mksquashfs from Debian's
# squashfs-tools), wrapped into a .gvmi by our own writer (`gvmi wrap`, GvmiFile.CreateAsync).
# The squashfs is made reproducible (fixed times, root-owned files), so the image hash only changes when the
# content, the config or the writer changes.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

if ! command -v mksquashfs >/dev/null 2>&1; then
  echo "mksquashfs not found; installing squashfs-tools..." >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update && apt-get install -y squashfs-tools
  else
    sudo apt-get update && sudo apt-get install -y squashfs-tools
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mksquashfs "$here/hello-root" "$work/hello.squashfs" -comp lzo -noappend \
  -all-root -all-time 0 -mkfs-time 0 -no-xattrs -quiet -no-progress

dotnet run --project "$repo/src/Golem.VmImages.Cli" -c Release -- \
  wrap "$work/hello.squashfs" -o "$here/hello.gvmi" \
  --cmd /bin/cat --cmd /hello.txt \
  --env PATH=/usr/local/bin:/usr/bin:/bin \
  --workdir / \
  --volume /golem/work

dotnet run --project "$repo/src/Golem.VmImages.Cli" -c Release --no-build -- inspect "$here/hello.gvmi"
