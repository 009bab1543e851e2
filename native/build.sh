#!/bin/sh
# Builds the optional native chunker (native/cdc.c) at npm install. Without a C compiler obr uses
# the JavaScript chunker: same chunks, about half the speed.
cd "$(dirname "$0")" || exit 0
mkdir -p build
if ${CC:-cc} -O2 -fPIC -shared -o build/libobr-cdc.so.tmp cdc.c 2>build/cc.log; then
  mv build/libobr-cdc.so.tmp build/libobr-cdc.so
else
  rm -f build/libobr-cdc.so.tmp
  echo "obr: no C compiler found (${CC:-cc}); the JavaScript chunker will be used (see native/build/cc.log)"
fi
exit 0
