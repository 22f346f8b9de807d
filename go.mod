module github.com/signet-auth/signet

go 1.26.8
