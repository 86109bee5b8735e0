/**
 * The Nexus service contract both sides share: the caller's workflow calls it through an endpoint, the handler
 * (another team, in real life) implements it. Only names and types live here.
 */
import * as nexus from 'nexus-rpc';

export type Language = 'en' | 'fr' | 'de' | 'es';

export interface EchoInput {
  message: string;
}
export interface EchoOutput {
  message: string;
}
export interface HelloInput {
  name: string;
  language: Language;
}
export interface HelloOutput {
  message: string;
}

export const helloService = nexus.service('hello-service', {
  /** Answers at once (a synchronous operation). */
  echo: nexus.operation<EchoInput, EchoOutput>(),
  /** Runs a workflow and answers with its result (a workflow-run operation). */
  hello: nexus.operation<HelloInput, HelloOutput>(),
});
