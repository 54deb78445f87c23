import type { ExportItem } from '../exports/exports-service.ts';

// The export bundle part of /staff/requests/{reference} (staff-request-view.ts).

/** An access request's export bundles, for staff with export.view. */
export type PageExports = { review: boolean; items: ExportItem[] };

const bundleStateWords: Record<ExportItem['state'], string> = {
  awaiting_review: 'Awaiting your release',
  released: 'Released',
  expired: 'Expired',
  revoked: 'Revoked',
  purged: 'File deleted',
};

const sizeText = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MB`;

export function exportsContext(exports: PageExports, status: string, when: Intl.DateTimeFormat) {
  const at = (iso: string | null) => (iso ? { iso, text: when.format(new Date(iso)) } : undefined);
  const live = (b: ExportItem) => b.state === 'released' || b.state === 'awaiting_review';
  return {
    review: exports.review,
    bundles: exports.items.map((b, i) => ({
      id: b.id,
      number: i + 1,
      state: b.state,
      stateText: bundleStateWords[b.state],
      files: b.files,
      size: sizeText(b.size),
      created: at(b.createdAt),
      expires: at(b.expiresAt),
      released: at(b.releasedAt),
      revoked: at(b.revokedAt),
      canPreview: b.purgedAt === null,
      canRelease: b.releasedAt === null && b.revokedAt === null,
      canRevoke: live(b),
    })),
    // The service refuses a rebuild while a bundle is live or the request is not processing/completed.
    canRebuild: !exports.items.some(live) && (status === 'processing' || status === 'completed'),
  };
}
