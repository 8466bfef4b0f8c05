"""What moto's ACM gives the balancer's ACM path (sws-tls acm-export), measured, not assumed.

Run: python3 lab/aws/acm-export-probe.py   (in-process moto: no server, no network, no root)
Requests an exportable public certificate exactly as the program does (components/aws/tls.ts:
DNS validation, EC_prime256v1, Options.Export ENABLED), exports it as sws-tls does, and prints one
JSON object: the moto version, whether the exported key matches the certificate, whether the
exported chain verifies the certificate (what every TLS client of the balancer needs), the key
algorithm issued, the status exported from, and whether ACM ARNs can be chosen (the program's
ARN rides in the balancer's user data). AWS's ExportCertificate returns "the certificate, the
certificate chain, and the encrypted private key associated with the public key that is embedded
in the certificate" and its CertificateChain "does not include the certificate that you are
exporting" (API reference, ExportCertificate): the chain is the certificate's issuers.
"""
import inspect
import json
import subprocess
import tempfile

import boto3
import moto
from moto import mock_aws


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True, text=True)


@mock_aws
def probe():
    acm = boto3.client("acm", region_name="us-east-1")
    arn = acm.request_certificate(
        DomainName="www.foobar.com", SubjectAlternativeNames=["foobar.com"], ValidationMethod="DNS",
        KeyAlgorithm="EC_prime256v1", Options={"Export": "ENABLED"},
    )["CertificateArn"]
    desc = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    phrase = "sws lab probe passphrase"
    out = acm.export_certificate(CertificateArn=arn, Passphrase=phrase.encode())
    with tempfile.TemporaryDirectory() as d:
        for k in ("Certificate", "CertificateChain", "PrivateKey"):
            open(f"{d}/{k}", "w").write(out[k])
        verify = openssl("verify", "-CAfile", f"{d}/CertificateChain", f"{d}/Certificate")
        cert_pub = openssl("x509", "-in", f"{d}/Certificate", "-noout", "-pubkey").stdout
        key_pub = openssl("pkey", "-in", f"{d}/PrivateKey", "-passin", f"pass:{phrase}", "-pubout").stdout
        self_signed = openssl("verify", "-partial_chain", "-CAfile", f"{d}/Certificate", f"{d}/Certificate")
        issuer = openssl("x509", "-in", f"{d}/Certificate", "-noout", "-issuer").stdout.strip()
        algo = openssl("x509", "-in", f"{d}/Certificate", "-noout", "-text").stdout
    from moto.acm import utils as acm_utils
    return {
        "moto": moto.__version__,
        "statusWhenExported": desc["Status"],
        "keyAlgorithmRequested": "EC_prime256v1",
        "keyAlgorithmIssued": desc.get("KeyAlgorithm"),
        "certificateKeyIsEc": "id-ecPublicKey" in algo,
        "exportedKeyMatchesCertificate": bool(cert_pub) and cert_pub == key_pub,
        "issuer": issuer,
        "chainVerifiesCertificate": verify.returncode == 0,
        "verifyError": (verify.stdout + verify.stderr).strip().splitlines()[-1:] if verify.returncode else [],
        "certificateSignedByItsOwnKey": self_signed.returncode == 0,
        # moto's ACM ARNs: mock_random.uuid4(), no custom-id hook (moto.utilities.id_generator is not used).
        "arnSource": inspect.getsource(acm_utils.make_arn_for_certificate).strip().splitlines()[-1].strip(),
    }


print(json.dumps(probe(), indent=2))
