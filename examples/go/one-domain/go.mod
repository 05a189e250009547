module mta-sts-go-one-domain

go 1.23
