/**
 * `@kairos/create`: `pnpm create @kairos my-app --example hello-world` (or `npm init @kairos`) writes a new
 * project from one of the Kairos examples, with its dependencies on the published `@kairos/*` packages.
 *
 * @module
 */
export {
  createProject,
  CreateProjectError,
  detectPackageManager,
  rewriteManifest,
  type CreatedProject,
  type CreateProjectOptions,
} from './create-project';
export { listExamples } from './templates';
