#!/bin/sh
# Builds obr's optional native addon (native/obr-native.c) at npm install. Without a C compiler
# obr runs without it: the JavaScript chunker (same chunks, about half the speed) and no
# page-cache dropping.
cd "$(dirname "$0")" || exit 0
mkdir -p build
headers=../node_modules/node-api-headers/include
if ${CC:-cc} -O2 -fPIC -shared -pthread -I"$headers" -o build/obr-native.node.tmp obr-native.c 2>build/cc.log; then
  mv build/obr-native.node.tmp build/obr-native.node
else
  rm -f build/obr-native.node.tmp
  echo "obr: could not build native/obr-native.c (see native/build/cc.log); running without it"
fi
exit 0
