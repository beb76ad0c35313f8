import type { Answers } from './load.js';

/**
 * site.maxUploadMB in bytes, the one figure behind every request-body limit on the way to a
 * worker: IIS's maxAllowedContentLength and cheroot's max_request_body_size on Windows, nginx's
 * client_max_body_size on posix (QATrack+ #690: limits that disagree give 502 on big uploads).
 * IIS's default is ~28.6 MB, nginx's 1 MB.
 */
export const maxUploadBytes = (a: Answers): number => a.site.maxUploadMB * 1024 * 1024;
