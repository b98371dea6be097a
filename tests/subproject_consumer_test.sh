#!/usr/bin/env bash
# Builds tests/subproject_consumer/ in a temporary directory, with this repository as its
# subprojects/xmpp-sansio (a symlink), and runs the program.
#   subproject_consumer_test.sh SOURCE_ROOT MESON NINJA
set -euo pipefail
source_root=$1
meson=${2:-meson}
ninja=${3:-ninja}

work=$(mktemp -d "${TMPDIR:-/tmp}/xmpp-sansio-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT

cp -R "$source_root/tests/subproject_consumer" "$work/consumer"
mkdir -p "$work/consumer/subprojects"
ln -s "$source_root" "$work/consumer/subprojects/xmpp-sansio"

cd "$work/consumer"
"$meson" setup build --wrap-mode=nodownload --force-fallback-for=xmpp-sansio
"$ninja" -C build -j 2
./build/consumer
