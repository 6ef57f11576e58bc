import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One MIME entity, just enough structure to find headers and the text/html parts. */
export interface MimePart {
  /** lower-cased names; repeated headers keep the last value */
  headers: Map<string, string>;
  contentType: string;
  /** decoded content for leaf parts; '' for multiparts */
  body: string;
  parts: MimePart[];
}

export interface ReceivedMail {
  envelope: { mailFrom: string | null; rcptTo: string[] };
  raw: string;
  message: MimePart;
  /** decoded (RFC 2047) Subject header */
  subject: string;
  header(name: string): string | undefined;
  /** first leaf part of this content type anywhere in the tree */
  part(contentType: string): MimePart | undefined;
}

export interface SmtpReceiver {
  /** smtp://127.0.0.1:<port> */
  url: string;
  port: number;
  readonly messages: readonly ReceivedMail[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 and an ephemeral port that keeps every message it accepts. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mailFrom = session.envelope.mailFrom;
        messages.push(
          received(raw, {
            mailFrom: mailFrom ? mailFrom.address : null,
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
          }),
        );
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function received(raw: string, envelope: ReceivedMail['envelope']): ReceivedMail {
  const message = parseEntity(raw);
  return {
    envelope,
    raw,
    message,
    subject: decodeWords(message.headers.get('subject') ?? ''),
    header: (name) => message.headers.get(name.toLowerCase()),
    part: (contentType) => findPart(message, contentType.toLowerCase()),
  };
}

function parseEntity(entity: string): MimePart {
  const split = entity.search(/\r?\n\r?\n/);
  const head = split < 0 ? entity : entity.slice(0, split);
  const rest = split < 0 ? '' : entity.slice(split).replace(/^\r?\n\r?\n/, '');

  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const contentTypeHeader = headers.get('content-type') ?? 'text/plain';
  const contentType = contentTypeHeader.split(';')[0]!.trim().toLowerCase();

  if (contentType.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentTypeHeader)?.[1];
    if (!boundary) return { headers, contentType, body: rest, parts: [] };
    const sections = rest.split(new RegExp(`\\r?\\n?--${escapeRegExp(boundary)}(?:--)?[ \\t]*\\r?\\n?`));
    // the first section is the preamble, the last the epilogue
    const parts = sections.slice(1, -1).filter((s) => s.trim() !== '').map(parseEntity);
    return { headers, contentType, body: '', parts };
  }
  return { headers, contentType, body: decodeBody(rest, headers.get('content-transfer-encoding')), parts: [] };
}

function decodeBody(body: string, encoding = '7bit'): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return quotedPrintable(body.replace(/=\r?\n/g, ''));
    default:
      return body;
  }
}

function quotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=), as nodemailer writes non-ASCII headers. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2') // whitespace between adjacent encoded words is not content
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : quotedPrintable(text.replace(/_/g, ' ')),
    );
}

function findPart(part: MimePart, contentType: string): MimePart | undefined {
  if (part.parts.length === 0) return part.contentType === contentType ? part : undefined;
  for (const child of part.parts) {
    const found = findPart(child, contentType);
    if (found) return found;
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
