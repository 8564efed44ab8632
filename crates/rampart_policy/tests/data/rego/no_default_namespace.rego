# A plain Rego module (Rego v1): the input is Gatekeeper's (`input.review`), results are `deny`.
package rampart.no_default_namespace

metadata := {
	"id": "no-default-namespace",
	"title": "Workloads must not live in the default namespace",
	"severity": "medium",
	"kinds": ["Pod", "Deployment"],
}

deny contains msg if {
	input.review.object.metadata.namespace == "default"
	msg := sprintf("%v <%v> is in the default namespace", [input.review.kind.kind, input.review.object.metadata.name])
}
