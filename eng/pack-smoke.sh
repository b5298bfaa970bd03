#!/usr/bin/env bash
# Packs every library under src/ into a temporary folder, then builds and runs a throw-away application that
# consumes Balancer.Client and Balancer.Client.Grpc from those .nupkg files (not from the source tree) and sends
# balanced requests and gRPC calls to local backends. Prints "pack smoke: passed" or "pack smoke: failed" and exits accordingly.
set -uo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A version of its own for every run, so the package cache can never serve an older build of the same version.
version="0.1.0-smoke.$(date +%s)"

# The packages that bind configuration: each ships ConfigurationSchema.json at its root and buildTransitive/<id>.targets
# that registers it (a JsonSchemaSegment item) for completion and validation in appsettings*.json.
schema_packages=" Balancer.Client "

fail() { echo "$1"; echo "pack smoke: failed"; exit 1; }

# Packs what the Release build of the solution produced (eng/test.sh builds it first); PACK_BUILD=1 builds here.
build_flag="--no-build"
[ "${PACK_BUILD:-0}" = "1" ] && build_flag=""
for project in src/*/*.csproj; do
  dotnet pack "$project" -c Release $build_flag -nologo -clp:ErrorsOnly -p:Version="$version" -o "$work/packages" >>"$work/pack.log" 2>&1 \
    || { cat "$work/pack.log"; fail "dotnet pack $project failed"; }
  id="$(basename "$project" .csproj)"
  [ -f "$work/packages/$id.$version.nupkg" ] || fail "no package for $id"
  [ -f "$work/packages/$id.$version.snupkg" ] || fail "no symbols package for $id"
  listing="$(unzip -l "$work/packages/$id.$version.nupkg")"
  grep -q "README.md" <<<"$listing" || fail "$id has no README"
  grep -q "lib/net8.0/$id.xml" <<<"$listing" || fail "$id has no XML docs for net8.0"
  grep -q "lib/net10.0/$id.dll" <<<"$listing" || fail "$id has no net10.0 assembly"
  if [[ "$schema_packages" == *" $id "* ]]; then
    grep -qE " ConfigurationSchema\.json$" <<<"$listing" || fail "$id has no ConfigurationSchema.json at the package root"
    grep -qE " buildTransitive/$id\.targets$" <<<"$listing" || fail "$id has no buildTransitive/$id.targets"
  fi
  echo "packed $id $version"
done

mkdir -p "$work/app"
cp eng/pack-smoke/Program.cs "$work/app/"
sed "s/@VERSION@/$version/" eng/pack-smoke/PackSmoke.csproj.template >"$work/app/PackSmoke.csproj"
cat >"$work/app/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$work/packages" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="Balancer.Client*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
CONFIG
# Outside the repository, so none of its Directory.*.props apply: a plain application.
cat >"$work/app/Directory.Build.props" <<'PROPS'
<Project />
PROPS
(cd "$work/app" && dotnet run -c Release -nologo 2>&1) | tee "$work/run.log"
grep -q "balanced request answered: hello from the backend" "$work/run.log" || fail "the application did not get its answer"
grep -q "balanced gRPC call answered: pong" "$work/run.log" || fail "the gRPC channel did not get its answer"
# The consuming application sees the schema of Balancer.Client as a JsonSchemaSegment item, and the file is there.
segments="$(cd "$work/app" && dotnet msbuild -nologo -getItem:JsonSchemaSegment 2>&1)"
echo "$segments" >"$work/segments.log"
schema_file="$(grep -oE '"FullPath": "[^"]*ConfigurationSchema\.json"' "$work/segments.log" | head -n 1 | sed 's/"FullPath": "//; s/"$//')"
[ -n "$schema_file" ] && [ -f "$schema_file" ] || { cat "$work/segments.log"; fail "the application has no JsonSchemaSegment for ConfigurationSchema.json"; }
grep -q '"Balancer"' "$schema_file" || fail "the JsonSchemaSegment of the application is not the schema of Balancer:Clients"
echo "schema segment: $schema_file"
echo "pack smoke: passed"
