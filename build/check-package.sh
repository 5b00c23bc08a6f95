#!/usr/bin/env bash
# Packs the BayesGen NuGet package and builds and runs a small project against it, the way a user would:
# the generator must run from analyzers/dotnet/cs, the runtime come from lib/, and the Linux native-load fix
# from buildTransitive/. A unique version keeps NuGet's cache from serving an older build of the package.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="0.2.0-check.$(date +%s)"
work="$root/artifacts/package-check"
rm -rf "$work"
mkdir -p "$work/feed" "$work/consumer"

dotnet pack "$root/BayesGen.Runtime/BayesGen.Runtime.csproj" -c Release -p:Version="$version" -o "$work/feed" -v q -nologo
unzip -l "$work/feed/BayesGen.$version.nupkg" | grep -E "analyzers/dotnet/cs/BayesGen.Generator.dll|lib/net8.0/BayesGen.Runtime.dll|buildTransitive/BayesGen.targets" \
  || { echo "the package lacks the generator, the runtime or the build targets" >&2; exit 1; }

sed "s/@VERSION@/$version/" "$root/build/package-check/Consumer.csproj.template" > "$work/consumer/Consumer.csproj"
cp "$root/build/package-check/Program.cs" "$work/consumer/Program.cs"
# Outside the repository's Directory.Build.* files, as a user's project would be.
echo '<Project></Project>' > "$work/Directory.Build.props"
echo '<Project></Project>' > "$work/Directory.Build.targets"
echo '<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>' > "$work/Directory.Packages.props"
# The local feed is added on the command line to the machine's configured sources (the SDK's default feed).
dotnet restore "$work/consumer/Consumer.csproj" -p:RestoreAdditionalProjectSources="$work/feed" -nologo -v q
dotnet run --project "$work/consumer/Consumer.csproj" -c Release -nologo --no-restore
