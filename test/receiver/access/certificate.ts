import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers.js';

export interface Certificate {
  certFile: string;
  keyFile: string;
  /** The certificate itself, to trust as the CA of a self-signed server. */
  ca: Buffer;
}

/** A self-signed P-256 certificate for localhost and 127.0.0.1, made by the `openssl` CLI in a temp folder. */
export function generateCertificate(): Certificate {
  const dir = tempDir();
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=localhost'].concat([
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]),
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, ca: fs.readFileSync(certFile) };
}
