#!/bin/sh
# Container entrypoint: size the V8 heap from the container's memory limit, then run the connector.
#
# Node 20 sizes its heap from the cgroup limit too, but only to about a quarter of it, so a
# 2 GiB pod would cap the heap near 512 MiB and die on a large Parquet row group long before the
# pod is out of memory. We give the heap ~75 % (AIRBYTE_HEAP_PERCENT) and leave the rest for
# wasm memory, buffers and the stack. An explicit --max-old-space-size in NODE_OPTIONS wins.
# The connector reads the same limit for its memory budget (source/memory-limit.ts): it keeps the
# streams' pages, decode threads and buffers within it and stops a read before the OOM killer would.
set -eu

MAIN=/airbyte/integration_code/dist/source/main.js
PERCENT=${AIRBYTE_HEAP_PERCENT:-75}

# Prints the memory limit in bytes, or nothing when there is none (cgroup v2, then v1).
memory_limit() {
  for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do
    [ -r "$f" ] || continue
    v=$(cat "$f" 2>/dev/null || true)
    case "$v" in
      '' | max | *[!0-9]*) continue ;;
    esac
    # cgroup v1 reports "no limit" as a huge number (PAGE_COUNTER_MAX pages); 1 PiB and up means none
    [ ${#v} -ge 16 ] && continue
    echo "$v"
    return 0
  done
}

case " ${NODE_OPTIONS:-} " in
  *" --max-old-space-size="* | *" --max_old_space_size="*) ;;
  *)
    limit=$(memory_limit)
    if [ -n "$limit" ]; then
      mb=$((limit / 1048576 * PERCENT / 100))
      # below this, node cannot even start the connector: let V8 pick rather than fail strangely
      if [ "$mb" -ge 64 ]; then
        NODE_OPTIONS="--max-old-space-size=$mb${NODE_OPTIONS:+ $NODE_OPTIONS}"
        export NODE_OPTIONS
      fi
    fi
    ;;
esac

exec node "$MAIN" "$@"
