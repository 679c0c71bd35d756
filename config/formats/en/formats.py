# Every time Django formats by itself (admin lists and read-only fields) carries its zone: the admin
# shows UTC, the portal the tenant's zone, and a time without a label is read in the wrong one.
DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
