"""The audit checks, one module per theme; importing this package registers them all.

* `coschedule`: critical workloads that can share a node with risky ones (VA001);
* `labels`: isolation on labels a kubelet can set, preferred rules used for security,
  workloads drawn to critical or reserved nodes (VA002, VA005, VA006);
* `reserved`: tolerations and nodeName reaching reserved nodes (VA003, VA004);
* `priority`: PriorityClasses of critical pods and namespaces, defaults, validity (VA007,
  VA008, VA011, VA012);
* `pdb`: budgets that make nodes undrainable (VA009, VA010);
* `suppression`: inline suppressions that cannot be honoured (VA000).
"""

from vigil.audit.checks import coschedule, labels, pdb, priority, reserved, suppression

__all__ = ["coschedule", "labels", "pdb", "priority", "reserved", "suppression"]
