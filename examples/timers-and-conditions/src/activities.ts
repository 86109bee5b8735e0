/** Activities: sending a reminder email (here, recording it). */
import { log } from '@kairos/activity';

export async function sendEmail(message: string): Promise<void> {
  log.info(`sending email: ${message}`);
}
