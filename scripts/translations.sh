#!/usr/bin/env bash
# Message catalogues: `extract` refreshes messages.pot and every catalogue, `compile` builds
# the .mo files the app reads. Pass PYBABEL=.venv/bin/pybabel when pybabel is not on PATH.
set -euo pipefail

cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-pybabel}
DIR=coalition/translations
LANGUAGES=(ar en tr)

case "${1:-}" in
  extract)
    mkdir -p "$DIR"
    "$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
      --add-comments=TRANSLATORS: --project=coalition --no-location --sort-output -o "$DIR/messages.pot" .
    for lang in "${LANGUAGES[@]}"; do
      "$PYBABEL" update -i "$DIR/messages.pot" -d "$DIR" -l "$lang" \
        --no-fuzzy-matching --ignore-obsolete --init-missing
    done
    ;;
  compile)
    "$PYBABEL" compile -d "$DIR" --statistics
    ;;
  *)
    echo "usage: $0 extract|compile" >&2
    exit 2
    ;;
esac
