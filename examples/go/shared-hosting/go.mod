module mta-sts-go-shared-hosting

go 1.23
