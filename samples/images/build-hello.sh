#!/usr/bin/env sh
# Rebuilds hello.gvmi from hello-root/ with `gvmi build`, byte for byte: anyone can rerun it and compare the hash.
#
#   samples/images/build-hello.sh [OUT.gvmi]      (default: samples/images/hello.gvmi)
#
# A checkout does not keep owners, times or the exact modes (they depend on the user and the umask), so the tree is
# first packed into a tar that fixes them: root-owned, modes 0644/0755, every time 1970-01-01. `gvmi build` then adds
# what the provider VM's init needs (/proc, /sys, /dev, /etc/hosts, /etc/resolv.conf) and the run configuration.
# GVMI names the gvmi command to run; by default the tool is built and run from this clone.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-"$here/hello.gvmi"}
gvmi=${GVMI:-"dotnet run --project $repo/src/Golem.VmImages.Cli -c Release --"}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tar --create --file="$work/hello-root.tar" --directory="$here/hello-root" --format=posix --sort=name \
  --owner=0 --group=0 --numeric-owner --mtime=@0 --mode=u=rwX,go=rX,a-st \
  --pax-option=delete=atime,delete=ctime .

$gvmi build --rootfs "$work/hello-root.tar" -o "$out" --force \
  --cmd /bin/cat --cmd /hello.txt \
  --env PATH=/usr/local/bin:/usr/bin:/bin \
  --workdir / \
  --volume /golem/work
