# Complete: "<petra tenant id>/<autotask company id>".
terraform import petra_autotask_tenant_mapping.harbor_dental ZZk90t/1001

# Tenant only: company_id is then taken from the configuration on the next
# apply (the plan shows it as an in-place update).
terraform import petra_autotask_tenant_mapping.harbor_dental ZZk90t
