// A small number per worker VM, leased in proxy shared data, naming the VM's gauges
// (kafka_mesh.<gauge>.vm.<slot>). Each VM sets its gauges to absolute values, so a VM that
// fails leaves no sum off: its lease runs out, a surviving VM (or its reloaded successor)
// takes the slot back and zeroes the gauges it left.
//
// A slot's entry holds the lease's end (ms since the epoch), or FREE once its gauges are zero.
// Entries are created FREE (harmless if two VMs race to create one) and taken only by
// compare-and-swap, so two VMs never hold the same slot.
import { getSharedData, setSharedData } from "./host";

const PREFIX = "kafka_mesh.vm_slot.";
const MAX_SLOTS = 256;
/** A live VM renews its lease every tick (1 s); five missed ticks and the slot is free. */
export const LEASE_MS: i64 = 5000;
const FREE: i64 = -1;

function key(slot: i32): ArrayBuffer {
  return String.UTF8.encode(PREFIX + slot.toString());
}

function encode(v: i64): Uint8Array {
  const b = new Uint8Array(8);
  store<i64>(b.dataStart, v);
  return b;
}

class Entry {
  constructor(public value: i64, public cas: u32) {}
}

function read(slot: i32): Entry | null {
  const e = getSharedData(key(slot));
  if (e === null || e.bytes.length != 8) return null;
  return new Entry(load<i64>(e.bytes.dataStart), e.cas);
}

export class SlotClaim {
  constructor(public slot: i32, public lease: i64, public stale: bool) {}
}

/** Takes the lowest slot that is free or whose lease ran out; null when all are held. */
export function claimSlot(nowMs: i64): SlotClaim | null {
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    let e = read(slot);
    if (e === null) {
      setSharedData(key(slot), encode(FREE), 0);
      e = read(slot);
      if (e === null) continue;
    }
    const entry = e!;
    if (entry.value != FREE && entry.value >= nowMs) continue;
    const lease = nowMs + LEASE_MS;
    if (setSharedData(key(slot), encode(lease), entry.cas)) return new SlotClaim(slot, lease, entry.value != FREE);
  }
  return null;
}

/** Extends a lease this VM holds; false when it was lost (the VM stalled past it and the slot was taken). */
export function renewSlot(claim: SlotClaim, nowMs: i64): bool {
  const e = read(claim.slot);
  if (e === null || e!.value != claim.lease) return false;
  const lease = nowMs + LEASE_MS;
  if (!setSharedData(key(claim.slot), encode(lease), e!.cas)) return false;
  claim.lease = lease;
  return true;
}

/** Frees the slots whose lease ran out (their VM is gone); returns them, for their gauges to be zeroed. */
export function sweepSlots(ownSlot: i32, nowMs: i64): Array<i32> {
  const freed = new Array<i32>();
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    const e = read(slot);
    if (e === null) break;
    const entry = e!;
    if (slot == ownSlot || entry.value == FREE || entry.value >= nowMs) continue;
    if (setSharedData(key(slot), encode(FREE), entry.cas)) freed.push(slot);
  }
  return freed;
}
