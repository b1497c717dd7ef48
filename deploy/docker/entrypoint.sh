#!/bin/sh
# Chooses the process of the image: silo, api or cli (the rest of the arguments are passed on).
set -eu
command="${1:-help}"
[ "$#" -gt 0 ] && shift
case "$command" in
  silo) exec dotnet /app/silo/BashuCloud.Silo.dll "$@" ;;
  api) exec dotnet /app/api/BashuCloud.Api.dll "$@" ;;
  cli) exec dotnet /app/cli/BashuCloud.Cli.dll "$@" ;;
  help|--help|-h)
    echo "用法 (usage): silo | api | cli <migrate|seed --data /app/seeds|rebuild-read-model|mirror …>"
    exit 0 ;;
  *)
    echo "未知命令 (unknown command): $command — silo | api | cli" >&2
    exit 2 ;;
esac
