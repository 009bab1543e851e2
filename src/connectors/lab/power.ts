import { ConnectorError } from "../connector-error.ts";
import type { PowerOperation, PowerState } from "../hypervisor-connector.ts";
import type { LabVm } from "./lab-state.ts";

// Power rules follow vCenter: an operation that does not apply to the current state is refused
// with 409 (vCenter's InvalidPowerState), not silently accepted, so callers see what happened.
// Guest operations (shutdown/restart) need running tools, as they go through the guest.

const allowedFrom: Record<PowerOperation, readonly PowerState[]> = {
  powerOn: ["poweredOff", "suspended"],
  powerOff: ["poweredOn", "suspended"],
  suspend: ["poweredOn"],
  reset: ["poweredOn"],
  shutdownGuest: ["poweredOn"],
  restartGuest: ["poweredOn"],
};

const resultState: Record<PowerOperation, PowerState> = {
  powerOn: "poweredOn",
  powerOff: "poweredOff",
  suspend: "suspended",
  reset: "poweredOn",
  shutdownGuest: "poweredOff",
  restartGuest: "poweredOn",
};

export function isPowerOperation(value: string): value is PowerOperation {
  return Object.hasOwn(allowedFrom, value);
}

/** Applies `operation` to the VM record (mutates it) or throws 409. */
export function applyPower(vm: LabVm, operation: PowerOperation, now: Date = new Date()): void {
  if (!isPowerOperation(operation)) throw new ConnectorError("bad-argument", `unknown power operation ${operation}`);
  if (!allowedFrom[operation].includes(vm.powerState)) {
    throw new ConnectorError("conflict", `cannot ${operation} virtual machine ${vm.name}: it is ${vm.powerState}`);
  }
  if ((operation === "shutdownGuest" || operation === "restartGuest") && vm.guest.toolsVersion === "") {
    throw new ConnectorError("conflict", `cannot ${operation} virtual machine ${vm.name}: VMware Tools are not installed`);
  }
  const next = resultState[operation];
  // A fresh boot (not a resume from suspend) gets a new boot time.
  const boots = operation === "reset" || operation === "restartGuest" || (operation === "powerOn" && vm.powerState === "poweredOff");
  if (boots) vm.bootTime = now.toISOString();
  if (next === "poweredOff") vm.bootTime = null;
  vm.powerState = next;
}
