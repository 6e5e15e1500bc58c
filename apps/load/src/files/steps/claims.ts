import type { StateStore } from "@etl/ops";

/** The state-table namespace of landed object versions. */
export const CLAIM_NAMESPACE = "landed-files";

export type FileStatus = "FINISHED" | "FAILED" | "ABORTED";
export type ReportStep = "audit" | "failure" | "event" | "alert";

/**
 * What the state table keeps about one object version: who works on it (an attempt holding a
 * lease), the Redshift statement it submitted, and, once decided, how it ended and where the
 * file went. `reported` turns true once audit, event and alert are out, so a crash in between
 * is reported by the next delivery (at least once) rather than never.
 */
export interface FileClaim {
  bucket: string;
  key: string;
  version: string;
  attempt: string;
  /** Epoch ms until which the attempt owns the version. */
  leaseUntil: number;
  statementId?: string;
  status?: FileStatus;
  /** Where the file was moved (archive or error key). */
  destination?: string;
  rule?: string;
  table?: string;
  rows?: number;
  error?: string;
  etag?: string;
  size?: number;
  reported?: boolean;
  /** Which parts of the report are out, so finishing a half-done report repeats none of them. */
  reportedSteps?: ReportStep[];
  parts?: string[];
  /** The rule's `notify`, for reporting a duplicate's unreported outcome. */
  notify?: "success" | "failure" | "both" | "none";
}

export type ClaimResult =
  | { kind: "claimed"; claim: FileClaim; takenOver: boolean }
  /** Another attempt holds a live lease. */
  | { kind: "busy"; claim: FileClaim }
  /** The version was decided before (a duplicate event). */
  | { kind: "done"; claim: FileClaim };

/** Records live long enough to catch late duplicate deliveries; the archive is the history. */
export const CLAIM_TTL_SECONDS = 35 * 86_400;

const asClaim = (data: Record<string, unknown>) => data as unknown as FileClaim;

/**
 * One load per object version: the first attempt creates the record (`ifAbsent`), a duplicate
 * finds it decided or leased. A lease that ran out (the attempt died) is taken over; the
 * warehouse ledger, written in the load's transaction, still keeps a taken-over version from
 * loading twice.
 */
export function createClaims(state: StateStore, now: () => number) {
  const save = (id: string, claim: FileClaim) =>
    state.putRecord(CLAIM_NAMESPACE, id, claim as unknown as Record<string, unknown>, {
      ttlSeconds: CLAIM_TTL_SECONDS,
    });
  const own = (id: string, claim: FileClaim, attempt = claim.attempt) =>
    state.putRecord(CLAIM_NAMESPACE, id, claim as unknown as Record<string, unknown>, {
      ifData: { attempt, status: null },
      ttlSeconds: CLAIM_TTL_SECONDS,
    });
  return {
    async claim(id: string, fresh: FileClaim): Promise<ClaimResult> {
      for (let i = 0; i < 3; i++) {
        const created = await state.putRecord(
          CLAIM_NAMESPACE,
          id,
          fresh as unknown as Record<string, unknown>,
          {
            ifAbsent: true,
            ttlSeconds: CLAIM_TTL_SECONDS,
          },
        );
        if (created) return { kind: "claimed", claim: fresh, takenOver: false };
        const found = await state.getRecord(CLAIM_NAMESPACE, id);
        // Gone between the two calls (expired): try to create it again.
        if (!found) continue;
        const existing = asClaim(found.data);
        if (existing.status) return { kind: "done", claim: existing };
        if (existing.leaseUntil > now()) return { kind: "busy", claim: existing };
        const taken: FileClaim = {
          ...fresh,
          ...(existing.statementId ? { statementId: existing.statementId } : {}),
        };
        // Of two deliveries taking one dead attempt over, one wins; the other looks again.
        if (await own(id, taken, existing.attempt)) return { kind: "claimed", claim: taken, takenOver: true };
      }
      return { kind: "busy", claim: fresh };
    },
    save,
    /**
     * Writes the claim only while `attempt` (by default the claim's own) still holds it undecided:
     * false when another attempt took it over or any attempt decided it. Every write of an attempt
     * goes through here, so a decision, once written, is never overwritten.
     */
    own,
    /** The claim as stored. */
    async get(id: string): Promise<FileClaim | undefined> {
      const found = await state.getRecord(CLAIM_NAMESPACE, id);
      return found ? asClaim(found.data) : undefined;
    },
    /** Gives the version up (a retryable failure): the next delivery takes it at once. */
    async release(id: string, claim: FileClaim): Promise<void> {
      await own(id, { ...claim, leaseUntil: 0 });
    },
  };
}

export type Claims = ReturnType<typeof createClaims>;
