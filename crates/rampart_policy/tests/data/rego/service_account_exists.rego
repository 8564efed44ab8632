# A plain Rego module that reads data.inventory: pods must name a ServiceAccount that exists.
package rampart.service_account_exists

metadata := {"id": "service-account-exists", "severity": "low", "kinds": ["Pod"]}

violation contains {"msg": msg, "details": {"serviceAccount": sa}} if {
	ns := input.review.object.metadata.namespace
	sa := object.get(input.review.object.spec, "serviceAccountName", "default")
	not data.inventory.namespace[ns].v1.ServiceAccount[sa]
	msg := sprintf("pod <%v> runs as ServiceAccount <%v>, which does not exist in <%v>", [input.review.object.metadata.name, sa, ns])
}
