import { createTransport, Transporter } from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable across retries (`<delivery id@exportd>`), so a mail system can spot a duplicate. */
  messageId: string;
}

/** Sends one email; throws when the SMTP server did not accept it (the outbox then retries). */
export abstract class Mailer {
  abstract send(email: OutgoingEmail): Promise<void>;
  close(): void {
    // nothing to release by default
  }
}

/** nodemailer over SMTP (`SMTP_URL`). */
export class NodemailerMailer extends Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    super();
    this.transport = createTransport(smtpUrl, {
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(email: OutgoingEmail): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: email.messageId,
    });
  }

  override close(): void {
    this.transport.close();
  }
}
