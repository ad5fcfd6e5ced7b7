#!/usr/bin/env bash
# Runs every test of the workspace on a machine that has only the Rust toolchain and python3:
# it installs what the tests need first.
#   - moto[server] (PyPI): the AWS emulator the live source and the remediation executor are
#     tested against (`moto_server`, started by the tests on loopback), whose AWS managed
#     policies the IAM engine is also tested against;
#   - xmlschema (PyPI), which validates the JUnit report against the Jenkins xUnit plugin's
#     schema (fixtures/schemas/junit-10.xsd), and py-ocsf-models (PyPI), the OCSF models Prowler
#     emits with, which parse every object of the OCSF report as a Detection Finding;
#   - the AWS CLI v1 (PyPI awscli), with which the AWS Batch recipe's S3 key scheme is run
#     against moto's S3 (its botocore validates the Batch job files against AWS's own API
#     model);
#   - kubernetes-validate (PyPI), the published Kubernetes schemas, against which the
#     Kubernetes Job is validated for the versions it says it needs;
#   - the compliance files of Prowler 5.14.0 (PyPI prowler, the wheel only, not installed),
#     which transcribe the AWS Foundational Security Best Practices, CIS AWS Foundations and
#     NIST SP 800-53 r5 controls: tests/registry.rs checks every control id snapguard maps
#     against them;
#   - Debian's chromium, in which the HTML report is tested (with
#     SNAPGUARD_SKIP_BROWSER_TESTS=1 those tests are skipped, and reported as ignored).
set -euo pipefail
cd "$(dirname "$0")"

# The tests talk to AWS only through the emulator on loopback: never let the SDK's credential
# chain look for instance metadata on the network.
export AWS_EC2_METADATA_DISABLED=true

venv=target/test-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'moto[server]==5.*' \
  'xmlschema==4.3.2' 'py-ocsf-models==0.10.0' 'awscli==1.*' 'kubernetes-validate==1.31.0'
SNAPGUARD_MOTO_MANAGED_POLICIES=$("$venv/bin/python" -c 'import moto.iam.aws_managed_policies as m; print(m.__file__)')
export SNAPGUARD_MOTO_MANAGED_POLICIES
SNAPGUARD_PUBLISHED_CONTROLS="$PWD/$venv/published-controls"
if [ ! -f "$SNAPGUARD_PUBLISHED_CONTROLS/nist_800_53_revision_5_aws.json" ]; then
  "$venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps \
    --dest "$venv/wheels" 'prowler==5.14.0'
  "$venv/bin/python" - "$venv/wheels/prowler-5.14.0-py3-none-any.whl" "$SNAPGUARD_PUBLISHED_CONTROLS" <<'EOF'
import sys, zipfile, pathlib
wheel, into = sys.argv[1], pathlib.Path(sys.argv[2])
into.mkdir(parents=True, exist_ok=True)
names = ["aws_foundational_security_best_practices_aws", "cis_3.0_aws", "cis_5.0_aws",
         "nist_800_53_revision_5_aws"]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        (into / f"{name}.json").write_bytes(z.read(f"prowler/compliance/aws/{name}.json"))
EOF
fi
export SNAPGUARD_PUBLISHED_CONTROLS
export PATH="$PWD/$venv/bin:$PATH"

if [ "${SNAPGUARD_SKIP_BROWSER_TESTS:-}" != 1 ]; then
  scripts/install-chromium.sh
fi

cargo test --workspace --locked "$@"
